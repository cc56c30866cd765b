"""Voice rooms as a product (issue 15): seats, hands, invitations and host controls over the voice plane."""
