"""`apiforge check`: is generated/ what the specs generate."""
