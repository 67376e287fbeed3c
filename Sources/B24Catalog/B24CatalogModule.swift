/// Namespace marker for the B24Catalog module; the module's types live beside this file.
public enum B24CatalogModule {}
