"""The governance client: proposals and votes, concerns and consultations, restoration projects."""
