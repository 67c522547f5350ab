"""户籍人口: the register feature (lists with filters and search, household form, person form)."""
