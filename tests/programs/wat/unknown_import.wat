;; A component that imports an interface the host does not know,
;; `evil:pkg/iface`: refused before instantiation, naming the import. (It
;; exports nothing, so a host that checked exports first would also refuse it;
;; the test asserts the error names the import.)
(component
  (import "evil:pkg/iface" (instance
    (export "steal" (func (param "what" string) (result string)))
  ))
)
