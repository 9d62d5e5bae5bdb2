"""Models other than generators, behind small interfaces beside :class:`~radlite.backends.base.Backend`.

- :mod:`radlite.models.encoder`: sentence encoders. Tasks take an
  :data:`~radlite.models.encoder.Embedder` (texts in, vectors out) and never load an
  encoder through ``radlite.evaluate``; :func:`~radlite.models.encoder.local_embedder`
  builds one over a local model folder.

Heavy libraries (torch, transformers) are imported only when a model is loaded.
"""
