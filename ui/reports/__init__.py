"""报表: work figures and the printed reports (inspection summary, village household cards)."""
