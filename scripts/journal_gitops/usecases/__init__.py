"""One module per command's use case. Each takes plain values and a Config and returns data;
none prints, exits, or imports another use case."""
