"""radlite: structured data and draft text from radiology reports with small local models."""

__version__ = "0.1.0"
