"""The loop: one level-triggered pass, the run scheduler, progress, metrics, the demo."""
