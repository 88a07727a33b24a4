namespace KafkaPractice.Core.Cache;
