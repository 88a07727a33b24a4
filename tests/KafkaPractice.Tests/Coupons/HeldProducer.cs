using Confluent.Kafka;
using KafkaPractice.Messaging.Coupons;

namespace KafkaPractice.Tests.Coupons;

/// <summary>
/// The coupon issuer's producer, with its timing in the test's hands: each <c>ProduceAsync</c>
/// waits until the test releases it (or passes straight through when not holding), then the record
/// is acknowledged into a <see cref="ModelCouponLog"/>.
/// </summary>
internal sealed class HeldProducer(ModelCouponLog log, bool hold) : IProducer<string, byte[]>
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a produce has started (and is being held).</summary>
    public Task Started => _started.Task;

    public void Release() => _release.TrySetResult();

    public async Task<DeliveryResult<string, byte[]>> ProduceAsync(string topic, Message<string, byte[]> message, CancellationToken cancellationToken = default)
    {
        _started.TrySetResult();
        if (hold)
        {
            await _release.Task.WaitAsync(cancellationToken);
        }
        var request = CouponRequested.FromUtf8Json(message.Value);
        var position = log.Append(request.CampaignId, request.MemberId);
        return new DeliveryResult<string, byte[]>
        {
            TopicPartitionOffset = position,
            Message = message,
            Status = PersistenceStatus.Persisted,
        };
    }

    public Task<DeliveryResult<string, byte[]>> ProduceAsync(TopicPartition topicPartition, Message<string, byte[]> message, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public void Produce(string topic, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>>? deliveryHandler = null) => throw new NotSupportedException();
    public void Produce(TopicPartition topicPartition, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>>? deliveryHandler = null) => throw new NotSupportedException();
    public int Poll(TimeSpan timeout) => 0;
    public int Flush(TimeSpan timeout) => 0;
    public void Flush(CancellationToken cancellationToken = default)
    {
    }
    public void InitTransactions(TimeSpan timeout) => throw new NotSupportedException();
    public void BeginTransaction() => throw new NotSupportedException();
    public void CommitTransaction(TimeSpan timeout) => throw new NotSupportedException();
    public void CommitTransaction() => throw new NotSupportedException();
    public void AbortTransaction(TimeSpan timeout) => throw new NotSupportedException();
    public void AbortTransaction() => throw new NotSupportedException();
    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout) => throw new NotSupportedException();
    public Handle Handle => throw new NotSupportedException();
    public string Name => "held-producer";
    public int AddBrokers(string brokers) => 0;
    public void SetSaslCredentials(string username, string password)
    {
    }
    public void Dispose()
    {
    }
}
