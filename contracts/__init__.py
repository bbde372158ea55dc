"""The national booking contracts: the WSDL + XSD files (`wsdl/`, RIV-TA layout) and the small,
neutral machinery every SOAP party here shares to read them: the catalogue of interactions,
compiled schemas, a hardened SOAP 1.1 envelope reader/writer and the contracts' time formats.

Both the gateway and the simulators of regional systems use this package; it knows nothing of
either (it imports nothing of ours)."""
