"""The rules of the product, as functions over plain values, a Catalog and a DB session."""
