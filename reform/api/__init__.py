"""The JSON API (version 1): the results document of contract 3.3."""
