;; The valid control, but importing its types from `kiln:app/types@0.6.0`, a
;; version of the world this runtime does not implement: refused at load,
;; naming the import and the version the runtime provides.
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
  (import "kiln:app/types@0.6.0" (instance $types (type $types-ty)))
  (alias export $types "context" (type $context))
  (alias export $types "app-error" (type $app-error))
  (core module $memory-module
    (memory (export "memory") 1)
    ;; A bump allocator above the static data (0..4096), never freeing:
    ;; enough for one invocation, as every invocation gets a fresh Store. It
    ;; honours the requested alignment and grows memory when the block does
    ;; not fit (the host writes every argument string through it).
    (global $next (mut i32) (i32.const 4096))
    (func (export "realloc")
      (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
      (local $at i32) (local $end i32) (local $have i32)
      (local.set $at
        (i32.and
          (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $at) (local.get $size)))
      (local.set $have (i32.shl (memory.size) (i32.const 16)))
      (if (i32.gt_u (local.get $end) (local.get $have))
        (then
          (if (i32.eq
                (memory.grow
                  (i32.shr_u
                    (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
                    (i32.const 16)))
                (i32.const -1))
            (then unreachable))))
      (global.set $next (local.get $end))
      (local.get $at))
  )
  (core instance $memory-instance (instantiate $memory-module))
  (alias core export $memory-instance "memory" (core memory $mem))
  (alias core export $memory-instance "realloc" (core func $realloc))
  (core module $main-module
    (import "memory" "memory" (memory 0))
    ;; Params: handler (ptr, len), payload (ptr, len), then the context.
    ;; Returns `ok(payload)` through the return area at 0.
    (func (export "handle")
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
      (i32.store8 (i32.const 0) (i32.const 0))
      (i32.store (i32.const 4) (local.get 2))
      (i32.store (i32.const 8) (local.get 3))
      (i32.const 0))
  )
  (core instance $main (instantiate $main-module
    (with "memory" (instance $memory-instance))
    
  ))
  (func $handle
    (param "handler" string) (param "payload" string) (param "context" $context)
    (result (result string (error $app-error)))
    (canon lift (core func $main "handle") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (instance $handler (export "handle" (func $handle)))
  (export "kiln:app/handler@0.1.0" (instance $handler))
)
