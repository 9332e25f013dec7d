"""The knowledge base and the retrieval that answers a question or abstains (issue 5)."""
