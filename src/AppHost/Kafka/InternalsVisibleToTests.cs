using System.Runtime.CompilerServices;

// The system tests read the emulator with Containers mode's cluster reader (KafkaClusterReader) and
// compare what it finds with Local mode's view (KafkaClusterView).
[assembly: InternalsVisibleTo("KafkaPractice.Tests")]
[assembly: InternalsVisibleTo("KafkaPractice.UnitTests")]
