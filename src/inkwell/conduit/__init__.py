"""The RealWorld (Conduit) API: a second façade over Inkwell's services, mounted at
`/conduit/api` with its own conventions (`Authorization: Token`, wrapped bodies, errors as
`{"errors": {field: [messages]}}`) and no rules of its own."""
