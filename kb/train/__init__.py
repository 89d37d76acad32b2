"""Training the reranker from the model and documents we ship (`python -m kb train`)."""
