;; ABI attacks: values only the canonical ABI can carry, which no Rust
;; binding would produce. One component, the attack chosen by the first byte
;; of the handler name (so one compile serves every case):
;;
;;   b  benign: answers its payload (the survival check)
;;   p  request-jira with principal discriminant 7 (the enum has 2 cases)
;;   m  request-jira with method discriminant 200 (the enum has 5 cases)
;;   u  request-jira with a path that is not UTF-8 (\ff\fe...)
;;   o  request-jira with a path pointer past the end of linear memory
;;   l  request-jira with a query list whose byte length overflows 32 bits
;;   d  request-jira with body option discriminant 9 (option has 2 cases)
;;   r  handle returns result discriminant 5 (result has 2 cases)
;;   e  handle returns err with app-error case 9 (the variant has 4 cases)
;;   s  handle returns a string pointer past the end of linear memory
;;   i  handle returns a string that is not UTF-8
;;   j  handle returns a string that is not JSON
;;   x  reentrancy: cabi_realloc calls back into the host (the `log` import)
;;      while the host is writing request-jira's answer into guest memory
;;
;; The host must refuse each with a typed error and no panic; nothing
;; malformed may reach Jira.
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
  (alias export $types "level" (type $level))
  (import "kiln:app/jira@0.1.0" (instance $jira
    (export "request" (type $req (eq $request)))
    (export "response" (type $resp (eq $response)))
    (export "request-error" (type $err (eq $request-error)))
    (export "request-jira" (func (param "req" $req) (result (result $resp (error $err)))))
  ))
  (import "kiln:app/log@0.1.0" (instance $log
    (export "level" (type $lvl (eq $level)))
    (export "log" (func (param "level" $lvl) (param "message" string)))
  ))
  (core module $memory-module
    (memory (export "memory") 1)
  )
  (core instance $memory-instance (instantiate $memory-module))
  (alias core export $memory-instance "memory" (core memory $mem))
  (core func $log-lowered
    (canon lower (func $log "log") (memory $mem) string-encoding=utf8))
  (core instance $log-core (export "log" (func $log-lowered)))
  ;; The allocator lives apart from the memory so that it can import `log`
  ;; (whose lowering needs the memory) for the reentrancy attack.
  (core module $realloc-module
    (import "env" "memory" (memory 0))
    (import "log" "log" (func $log (param i32 i32 i32)))
    ;; Set by handler `x`: the next allocation calls into the host.
    (global $armed (mut i32) (i32.const 0))
    (data (i32.const 3072) "reentered")
    (func (export "arm") (global.set $armed (i32.const 1)))
    ;; A bump allocator above the static data (0..4096), never freeing:
    ;; enough for one invocation, as every invocation gets a fresh Store. It
    ;; honours the requested alignment and grows memory when the block does
    ;; not fit (the host writes every argument string through it).
    (global $next (mut i32) (i32.const 4096))
    (func (export "realloc")
      (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
      (local $at i32) (local $end i32) (local $have i32)
      (if (global.get $armed)
        (then (call $log (i32.const 2) (i32.const 3072) (i32.const 9))))
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
  (core instance $env (export "memory" (memory $mem)))
  (core instance $realloc-instance (instantiate $realloc-module
    (with "env" (instance $env))
    (with "log" (instance $log-core))
  ))
  (alias core export $realloc-instance "realloc" (core func $realloc))
  (core func $request-jira
    (canon lower (func $jira "request-jira") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (core instance $jira-core (export "request-jira" (func $request-jira)))
  (core module $main-module
    (import "env" "memory" (memory 0))
    (import "jira" "request-jira"
      (func $request-jira
        (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "alloc" "arm" (func $arm))
    (data (i32.const 64) "/rest/api/3/myself")
    (data (i32.const 96) "\ff\fe/rest/api/3/myself")
    (data (i32.const 160) "nul")
    (data (i32.const 176) "\ff\fe")
    (data (i32.const 192) "not a path")
    ;; request-jira(principal, method, path, query = [(list len)], headers = [],
    ;; body = option(discriminant, empty)); its answer goes to 1024.
    (func $jira
      (param $principal i32) (param $method i32) (param $path i32) (param $path-len i32)
      (param $query-len i32) (param $body i32)
      (call $request-jira
        (local.get $principal) (local.get $method)
        (local.get $path) (local.get $path-len)
        (i32.const 0) (local.get $query-len)
        (i32.const 0) (i32.const 0)
        (local.get $body) (i32.const 0) (i32.const 0)
        (i32.const 1024)))
    ;; Writes `ok(string)` to the return area at 0 and returns its address.
    (func $ok (param $ptr i32) (param $len i32) (result i32)
      (i32.store8 (i32.const 0) (i32.const 0))
      (i32.store (i32.const 4) (local.get $ptr))
      (i32.store (i32.const 8) (local.get $len))
      (i32.const 0))
    (func (export "handle")
      (param $handler i32) (param $handler-len i32) (param $payload i32) (param $payload-len i32)
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
      (local $attack i32)
      (local.set $attack (i32.load8_u (local.get $handler)))
      (block $unknown
        (block $x (block $j (block $i (block $s (block $e (block $r
        (block $d (block $l (block $o (block $u (block $m (block $p (block $b
          (br_if $b (i32.eq (local.get $attack) (i32.const 0x62)))
          (br_if $p (i32.eq (local.get $attack) (i32.const 0x70)))
          (br_if $m (i32.eq (local.get $attack) (i32.const 0x6d)))
          (br_if $u (i32.eq (local.get $attack) (i32.const 0x75)))
          (br_if $o (i32.eq (local.get $attack) (i32.const 0x6f)))
          (br_if $l (i32.eq (local.get $attack) (i32.const 0x6c)))
          (br_if $d (i32.eq (local.get $attack) (i32.const 0x64)))
          (br_if $r (i32.eq (local.get $attack) (i32.const 0x72)))
          (br_if $e (i32.eq (local.get $attack) (i32.const 0x65)))
          (br_if $s (i32.eq (local.get $attack) (i32.const 0x73)))
          (br_if $i (i32.eq (local.get $attack) (i32.const 0x69)))
          (br_if $j (i32.eq (local.get $attack) (i32.const 0x6a)))
          (br_if $x (i32.eq (local.get $attack) (i32.const 0x78)))
          (br $unknown))
        ;; b: benign
        (return (call $ok (local.get $payload) (local.get $payload-len))))
        ;; p: principal 7
        (call $jira (i32.const 7) (i32.const 0) (i32.const 64) (i32.const 18) (i32.const 0) (i32.const 0))
        (return (call $ok (local.get $payload) (local.get $payload-len))))
        ;; m: method 200
        (call $jira (i32.const 0) (i32.const 200) (i32.const 64) (i32.const 18) (i32.const 0) (i32.const 0))
        (return (call $ok (local.get $payload) (local.get $payload-len))))
        ;; u: a path that is not UTF-8
        (call $jira (i32.const 0) (i32.const 0) (i32.const 96) (i32.const 20) (i32.const 0) (i32.const 0))
        (return (call $ok (local.get $payload) (local.get $payload-len))))
        ;; o: a path pointer past the end of memory
        (call $jira (i32.const 0) (i32.const 0) (i32.const 0xffffff00) (i32.const 18) (i32.const 0) (i32.const 0))
        (return (call $ok (local.get $payload) (local.get $payload-len))))
        ;; l: 2^28 query pairs of 16 bytes each: 4 GiB, past any memory
        (call $jira (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 18) (i32.const 0x10000000) (i32.const 0))
        (return (call $ok (local.get $payload) (local.get $payload-len))))
        ;; d: body option discriminant 9
        (call $jira (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 18) (i32.const 0) (i32.const 9))
        (return (call $ok (local.get $payload) (local.get $payload-len))))
        ;; r: result discriminant 5
        (drop (call $ok (local.get $payload) (local.get $payload-len)))
        (i32.store8 (i32.const 0) (i32.const 5))
        (return (i32.const 0)))
        ;; e: err(app-error case 9)
        (i32.store8 (i32.const 0) (i32.const 1))
        (i32.store8 (i32.const 4) (i32.const 9))
        (i32.store (i32.const 8) (i32.const 160))
        (i32.store (i32.const 12) (i32.const 3))
        (return (i32.const 0)))
        ;; s: a result string past the end of memory
        (return (call $ok (i32.const 0xffff0000) (i32.const 100))))
        ;; i: a result string that is not UTF-8
        (return (call $ok (i32.const 176) (i32.const 2))))
        ;; j: a result string that is not JSON
        (return (call $ok (i32.const 160) (i32.const 3))))
        ;; x: arm the allocator, then make the host write an error string
        (call $arm)
        (call $jira (i32.const 0) (i32.const 0) (i32.const 192) (i32.const 10) (i32.const 0) (i32.const 0))
        (return (call $ok (local.get $payload) (local.get $payload-len))))
      unreachable)
  )
  (core instance $main (instantiate $main-module
    (with "env" (instance $env))
    (with "jira" (instance $jira-core))
    (with "alloc" (instance $realloc-instance))
  ))
  (func $handle
    (param "handler" string) (param "payload" string) (param "context" $context)
    (result (result string (error $app-error)))
    (canon lift (core func $main "handle") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (instance $handler (export "handle" (func $handle)))
  (export "kiln:app/handler@0.1.0" (instance $handler))
)
