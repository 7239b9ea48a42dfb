;; A component that imports `wasi:http/outgoing-handler@0.2.0`, a way out of
;; the sandbox that is not request-jira: refused before instantiation, naming
;; the import.
(component
  (import "wasi:http/outgoing-handler@0.2.0" (instance
    (export "handle" (func (param "request" string) (result string)))
  ))
)
