/// Namespace marker for the B24Client module; the module's types live beside this file.
public enum B24ClientModule {}
