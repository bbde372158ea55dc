"""tidbok-gateway: the national booking contracts in front of the regions' scheduling systems."""
