"""待审: conflicts to review and local changes the server rejected."""
