/// Namespace marker for the B24Sandbox module; the module's types live beside this file.
public enum B24SandboxModule {}
