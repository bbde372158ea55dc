"""The SOAP 1.1 face (RIVTABP21): endpoints, dispatch by Body element, faults."""
