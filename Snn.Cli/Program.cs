// Entry point of the `snn` command line.
return Snn.Cli.Commands.Run(args);
