"""HTTP caching and the in-memory cache of what every anonymous reader shares.

- `conditional.py`: validators (weak ETags, Last-Modified) and the 304 decision (RFC 9110).
- `generation.py`: the public generation, a number that changes after every committed write
  to what anonymous readers see, shared between instances through Redis.
- `store.py`: rendered responses kept in memory, bounded in bytes, least recently used first out.
- `middleware.py`: the layer that answers anonymous reads of the shared routes from the store,
  adds validators and `Cache-Control`, answers 304, and has concurrent misses of a page
  wait for one render of it.
- `static.py`: content-hashed addresses of the static files, served as immutable.

ARCHITECTURE.md ("The cached read path") says why it is built this way.
"""
