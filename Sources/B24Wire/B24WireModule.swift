/// Namespace marker for the B24Wire module; the module's types live beside this file.
public enum B24WireModule {}
