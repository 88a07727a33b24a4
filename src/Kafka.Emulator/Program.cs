using KafkaPractice.Kafka.Emulator;

var app = EmulatorHost.Build(args);
await app.RunAsync();
