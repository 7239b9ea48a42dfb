;; Guest-controlled text and sizes: what an app can make Kiln print or keep.
;; One component, the case chosen by the first byte of the handler name:
;;
;;   b  benign: answers its payload (the survival check)
;;   q  calls request-jira (GET /rest/api/3/myself), then returns the
;;      hostile error of `f` (so that `runtime lint` has a call to report)
;;   f  err(failed(...)) whose text holds ANSI escapes, CR/LF and a forged
;;      `error:` line, C1 controls, DEL, a bidi override and a line separator
;;   r  err(request(scope-denied)) the app made up, with that text in the
;;      route and in the missing scopes
;;   l  log lines with that text
;;   j  ok(JSON) whose strings hold a bidi override, C1 CSI, a line separator
;;      and an escaped ESC (`\u001b`)
;;   t  traps (`unreachable`) in a function whose name-section name is that
;;      text, in a core module whose name is too
;;   k  err(failed(1 MiB of `x`)): under the copy limit, over the error cap
;;   m  err(failed(16 MiB of `x`)): over Kiln's 8 MiB copy limit, under
;;      wasmtime's own 128 MiB
;;   h  err(failed(100 MiB of `x`)) (`huge` in the command-line tests)
;;   a  err(request(scope-denied)) whose `missing` lists 1,000,000 entries all
;;      pointing at the same 1 MiB string (8 MB of guest memory, 1 TB to copy)
;;   d  ok(100,000 nested arrays)
;;
;; The host must print every string escaped on its own line, keep at most its
;; caps, refuse over-deep results and stop over-large copies, with no panic.
(component
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
  (alias export $types "level" (type $level))
  (alias export $types "request" (type $request))
  (alias export $types "response" (type $response))
  (alias export $types "request-error" (type $request-error))
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
  (core module $memory-module (@name "text\1b[31m\0aerror: forged module")
    (memory (export "memory") 1)
    ;; A bump allocator above the static data (0..4096), never freeing.
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
  (core func $log-lowered
    (canon lower (func $log "log") (memory $mem) string-encoding=utf8))
  (core instance $log-core (export "log" (func $log-lowered)))
  (core func $request-jira
    (canon lower (func $jira "request-jira") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (core instance $jira-core (export "request-jira" (func $request-jira)))
  (core module $main-module (@name "main\1b]0;owned\07\0d\0aerror: forged module")
    (import "memory" "memory" (memory 0))
    (import "log" "log" (func $log (param i32 i32 i32)))
    (import "jira" "request-jira"
      (func $request-jira
        (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (data (i32.const 192) "/rest/api/3/myself")
    ;; The hostile text, 70 bytes: ESC [31m, CR LF `error: forged by the app`,
    ;; C1 CSI (U+009B) 2J, DEL, RLO (U+202E), LS (U+2028), ESC [0m.
    (data (i32.const 64) "\1b[31mred\0d\0aerror: forged by the app\0a\c2\9b2J\7f\e2\80\aetxt.exe\e2\80\a8audit: forged\1b[0m")
    ;; Its length, kept beside it.
    (global $hostile-len i32 (i32.const 70))
    (data (i32.const 256) "read:jira-work")
    (data (i32.const 512) "{\"text\":\"\e2\80\ae evil \c2\9b2J \e2\80\a8 \\u001b[31m\"}")
    (global $json-len i32 (i32.const 39))
    (func $ok (param $ptr i32) (param $len i32) (result i32)
      (i32.store8 (i32.const 0) (i32.const 0))
      (i32.store (i32.const 4) (local.get $ptr))
      (i32.store (i32.const 8) (local.get $len))
      (i32.const 0))
    ;; err(failed(ptr, len))
    (func $failed (param $ptr i32) (param $len i32) (result i32)
      (i32.store8 (i32.const 0) (i32.const 1))
      (i32.store8 (i32.const 4) (i32.const 3))
      (i32.store (i32.const 8) (local.get $ptr))
      (i32.store (i32.const 12) (local.get $len))
      (i32.const 0))
    ;; err(request(scope-denied { route, missing: list at (ptr, count) }))
    (func $scope-denied (param $route i32) (param $route-len i32) (param $list i32) (param $count i32) (result i32)
      (i32.store8 (i32.const 0) (i32.const 1))
      (i32.store8 (i32.const 4) (i32.const 2))
      (i32.store8 (i32.const 8) (i32.const 2))
      (i32.store (i32.const 12) (local.get $route))
      (i32.store (i32.const 16) (local.get $route-len))
      (i32.store (i32.const 20) (local.get $list))
      (i32.store (i32.const 24) (local.get $count))
      (i32.const 0))
    ;; `len` bytes of `byte` in fresh pages; returns their address.
    (func $fill (param $byte i32) (param $len i32) (result i32)
      (local $at i32)
      (local.set $at
        (i32.shl
          (memory.grow (i32.add (i32.shr_u (local.get $len) (i32.const 16)) (i32.const 1)))
          (i32.const 16)))
      (if (i32.lt_s (local.get $at) (i32.const 0)) (then unreachable))
      (memory.fill (local.get $at) (local.get $byte) (local.get $len))
      (local.get $at))
    (func $trap (@name "handler\1b[2J\0d\0aerror: forged frame \e2\80\ae") (result i32)
      unreachable)
    (func (export "handle")
      (param $handler i32) (param $handler-len i32) (param $payload i32) (param $payload-len i32)
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
      (local $attack i32) (local $at i32) (local $list i32) (local $i i32)
      (local.set $attack (i32.load8_u (local.get $handler)))
      (block $unknown
        (block $d (block $a (block $h (block $m (block $k (block $t
        (block $j (block $l (block $r (block $f (block $q (block $b
          (br_if $b (i32.eq (local.get $attack) (i32.const 0x62)))
          (br_if $q (i32.eq (local.get $attack) (i32.const 0x71)))
          (br_if $f (i32.eq (local.get $attack) (i32.const 0x66)))
          (br_if $r (i32.eq (local.get $attack) (i32.const 0x72)))
          (br_if $l (i32.eq (local.get $attack) (i32.const 0x6c)))
          (br_if $j (i32.eq (local.get $attack) (i32.const 0x6a)))
          (br_if $t (i32.eq (local.get $attack) (i32.const 0x74)))
          (br_if $k (i32.eq (local.get $attack) (i32.const 0x6b)))
          (br_if $m (i32.eq (local.get $attack) (i32.const 0x6d)))
          (br_if $h (i32.eq (local.get $attack) (i32.const 0x68)))
          (br_if $a (i32.eq (local.get $attack) (i32.const 0x61)))
          (br_if $d (i32.eq (local.get $attack) (i32.const 0x64)))
          (br $unknown))
        ;; b: benign
        (return (call $ok (local.get $payload) (local.get $payload-len))))
        ;; q: GET /rest/api/3/myself as the user (answer at 2048), then f
        (call $request-jira
          (i32.const 0) (i32.const 0) (i32.const 192) (i32.const 18)
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 2048))
        (return (call $failed (i32.const 64) (global.get $hostile-len))))
        ;; f: a hostile error text
        (return (call $failed (i32.const 64) (global.get $hostile-len))))
        ;; r: a made-up scope-denied: hostile route, missing [hostile, read:jira-work]
        (i32.store (i32.const 1024) (i32.const 64))
        (i32.store (i32.const 1028) (global.get $hostile-len))
        (i32.store (i32.const 1032) (i32.const 256))
        (i32.store (i32.const 1036) (i32.const 14))
        (return (call $scope-denied (i32.const 64) (global.get $hostile-len) (i32.const 1024) (i32.const 2))))
        ;; l: hostile log lines at warn and error
        (call $log (i32.const 3) (i32.const 64) (global.get $hostile-len))
        (call $log (i32.const 4) (i32.const 64) (global.get $hostile-len))
        (return (call $ok (local.get $payload) (local.get $payload-len))))
        ;; j: a JSON result with hostile strings
        (return (call $ok (i32.const 512) (global.get $json-len))))
        ;; t: a trap in a function with a hostile name
        (return (call $trap)))
        ;; k: 1 MiB error text
        (return (call $failed (call $fill (i32.const 0x78) (i32.const 0x100000)) (i32.const 0x100000))))
        ;; m: 16 MiB error text
        (return (call $failed (call $fill (i32.const 0x78) (i32.const 0x1000000)) (i32.const 0x1000000))))
        ;; h: 100 MiB error text
        (return (call $failed (call $fill (i32.const 0x78) (i32.const 0x6400000)) (i32.const 0x6400000))))
        ;; a: 1,000,000 list entries, all the same 1 MiB string
        (local.set $at (call $fill (i32.const 0x78) (i32.const 0x100000)))
        (local.set $list (call $fill (i32.const 0) (i32.const 8000000)))
        (local.set $i (i32.const 0))
        (loop $entries
          (i32.store (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 3))) (local.get $at))
          (i32.store (i32.add (local.get $list) (i32.add (i32.shl (local.get $i) (i32.const 3)) (i32.const 4))) (i32.const 0x100000))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $entries (i32.lt_u (local.get $i) (i32.const 1000000))))
        (return (call $scope-denied (i32.const 256) (i32.const 14) (local.get $list) (i32.const 1000000))))
        ;; d: 100,000 `[` then 100,000 `]`
        (local.set $at (call $fill (i32.const 0x5b) (i32.const 200000)))
        (memory.fill (i32.add (local.get $at) (i32.const 100000)) (i32.const 0x5d) (i32.const 100000))
        (return (call $ok (local.get $at) (i32.const 200000))))
      unreachable)
  )
  (core instance $main (instantiate $main-module
    (with "memory" (instance $memory-instance))
    (with "log" (instance $log-core))
    (with "jira" (instance $jira-core))
  ))
  (func $handle
    (param "handler" string) (param "payload" string) (param "context" $context)
    (result (result string (error $app-error)))
    (canon lift (core func $main "handle") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (instance $handler (export "handle" (func $handle)))
  (export "kiln:app/handler@0.1.0" (instance $handler))
)
