"""Model-free core: report types, typed errors and file readers/writers."""
