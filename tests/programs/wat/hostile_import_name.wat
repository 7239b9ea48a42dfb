;; A component whose import name carries terminal escapes, a CR/LF that
;; forges an `error:` line and a bidi override. The validator refuses the
;; name and quotes it: the load error Kiln prints must show it escaped.
(component
  (import "evil:pkg/if\1b[2J\0d\0aerror: forged import\e2\80\aeace@1.0.0" (instance))
)
