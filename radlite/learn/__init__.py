"""Learning from the radiologist: reviewed reports become a better model for a site.

Modules: :mod:`~radlite.learn.registry` (versioned adapters per site, task and reader),
:mod:`~radlite.learn.data` (reviewed records and gold CSVs as training data, split by
report), :mod:`~radlite.learn.learners` (what each task learns), :mod:`~radlite.learn.compare`
(candidate against current on the held-out reviews, paired cluster bootstrap) and
:mod:`~radlite.learn.cycle` (one learn cycle: split, fit, compare, register, promote).
"""
