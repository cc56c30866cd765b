"""Live shopping. This step: commerce on the live channel (pins, flash sales, carts, checkout, prices
per viewer). Pure state (pins, carts, coalescing) is kept apart from the service that does I/O."""
