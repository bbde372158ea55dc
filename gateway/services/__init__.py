"""Generation-neutral services the faces call."""
