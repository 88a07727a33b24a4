namespace KafkaPractice.Core.Data;
