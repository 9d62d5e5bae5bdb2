"""radlite's shared text layer: sentences, section headers, negation and uncertainty.

Every task reads reports through these pieces instead of keeping its own copy:

- :mod:`radlite.text.sentences`: character-span sentences that carry their section header
  (:func:`~radlite.text.sentences.split_sentences`, :func:`~radlite.text.sentences.headers`).
- :mod:`radlite.text.negex`: one NegEx engine; shared cue lists in ``cues.yaml`` and a
  task's own overlay file on top (:func:`~radlite.text.negex.load_cues_with`).
- :mod:`radlite.text.abbreviations`: radiology shorthand expanded ("GB", "w/o"), with an
  offset map back to the original text so that evidence stays verbatim.

The layer is model-free and imports nothing from tasks, backends or the pipeline.
"""
