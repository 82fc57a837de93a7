"""What the local CRM emulators share: a manual clock and the loopback server thread."""
