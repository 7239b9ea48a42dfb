;; The host-call Kiln app of the benchmarks: `handle` makes one request-jira
;; call (GET /rest/api/3/myself as the user, no query, headers or body),
;; ignores the answer and returns the constant JSON `null`.
;; (Types as wit-component declares them for kiln:app@0.1.0.)
(component
  ;; The kiln:app@0.1.0 types, exactly as wit-component declares them.
  (type $types-ty
    (instance
      (type (;0;) (enum "trace" "debug" "info" "warn" "error"))
      (export (;1;) "level" (type (eq 0)))
      (type (;2;) (enum "user" "app"))
      (export (;3;) "principal" (type (eq 2)))
      (type (;4;) (enum "get" "post" "put" "patch" "delete"))
      (export (;5;) "method" (type (eq 4)))
      (type (;6;) (tuple string string))
      (type (;7;) (list 6))
      (type (;8;) (list u8))
      (type (;9;) (option 8))
      (type (;10;) (record (field "principal" 3) (field "method" 5) (field "path" string) (field "query" 7) (field "headers" 7) (field "body" 9)))
      (export (;11;) "request" (type (eq 10)))
      (type (;12;) (record (field "status" u16) (field "headers" 7) (field "body" 8)))
      (export (;13;) "response" (type (eq 12)))
      (type (;14;) (list string))
      (type (;15;) (record (field "route" string) (field "missing" 14)))
      (export (;16;) "scope-denied" (type (eq 15)))
      (type (;17;) (variant (case "invalid-request" string) (case "unknown-route" string) (case "scope-denied" 16) (case "needs-authentication" 3) (case "quota-exceeded" string) (case "timeout") (case "transport" string)))
      (export (;18;) "request-error" (type (eq 17)))
      (type (;19;) (option string))
      (type (;20;) (record (field "invocation-id" string) (field "account-id" 19) (field "cloud-id" string) (field "site-url" string) (field "module-key" string)))
      (export (;21;) "context" (type (eq 20)))
      (type (;22;) (variant (case "invalid-payload" string) (case "unknown-function" string) (case "request" 18) (case "failed" string)))
      (export (;23;) "app-error" (type (eq 22)))
    )
  )
  (import "kiln:app/types@0.1.0" (instance $types (type $types-ty)))
  (alias export $types "context" (type $context))
  (alias export $types "app-error" (type $app-error))
  (alias export $types "request" (type $request))
  (alias export $types "response" (type $response))
  (alias export $types "request-error" (type $request-error))
  (import "kiln:app/jira@0.1.0" (instance $jira
    (export "request" (type $req (eq $request)))
    (export "response" (type $resp (eq $response)))
    (export "request-error" (type $err (eq $request-error)))
    (export "request-jira" (func (param "req" $req) (result (result $resp (error $err)))))
  ))
  (core module $memory-module
    ;; Two pages: the first holds the constants and the call's result area,
    ;; the bump allocator hands out the second (the lifted response).
    (memory (export "memory") 2)
    (global $next (mut i32) (i32.const 65536))
    ;; A bump allocator: enough for one invocation (the instance is fresh
    ;; every time).
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $at) (local.get 3)))
      (local.get $at))
  )
  (core instance $memory-instance (instantiate $memory-module))
  (alias core export $memory-instance "memory" (core memory $mem))
  (alias core export $memory-instance "realloc" (core func $realloc))
  (core func $request-jira
    (canon lower (func $jira "request-jira") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (core instance $jira-core (export "request-jira" (func $request-jira)))
  (core module $main-module
    (import "memory" "memory" (memory 0))
    (import "jira" "request-jira"
      (func $request-jira
        (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (data (i32.const 64) "/rest/api/3/myself")
    (data (i32.const 16) "null")
    (func (export "handle")
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
      ;; request { principal: user, method: get, path, query: [], headers: [],
      ;; body: none }, result written at 1024.
      (call $request-jira
        (i32.const 0) (i32.const 0)
        (i32.const 64) (i32.const 18)
        (i32.const 0) (i32.const 0)
        (i32.const 0) (i32.const 0)
        (i32.const 0) (i32.const 0) (i32.const 0)
        (i32.const 1024))
      (i32.store8 (i32.const 0) (i32.const 0))
      (i32.store (i32.const 4) (i32.const 16))
      (i32.store (i32.const 8) (i32.const 4))
      (i32.const 0))
  )
  (core instance $main (instantiate $main-module
    (with "memory" (instance $memory-instance))
    (with "jira" (instance $jira-core))
  ))
  (func $handle
    (param "handler" string) (param "payload" string) (param "context" $context)
    (result (result string (error $app-error)))
    (canon lift (core func $main "handle") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (instance $handler (export "handle" (func $handle)))
  (export "kiln:app/handler@0.1.0" (instance $handler))
)
