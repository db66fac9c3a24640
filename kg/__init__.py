"""kg: news text to a knowledge graph you can query, analyse and look at."""
