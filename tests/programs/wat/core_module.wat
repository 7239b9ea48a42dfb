;; A core WebAssembly module, not a component: the host must refuse it with a
;; clear error instead of trying to run it.
(module
  (memory (export "memory") 1)
  (func (export "handle") (result i32) (i32.const 0))
)
