;; A component whose export name carries terminal escapes, a CR/LF that
;; forges an `error:` line and a bidi override. The validator refuses the
;; name and quotes it: the load error Kiln prints must show it escaped.
(component
  (core module $m)
  (core instance $i (instantiate $m))
  (instance $empty)
  (export "kiln:app/handler\1b]0;owned\07\0d\0aerror: forged export\e2\80\ae@0.1.0" (instance $empty))
)
