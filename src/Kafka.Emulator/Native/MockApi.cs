using System.Reflection;
using System.Runtime.InteropServices;

namespace KafkaPractice.Kafka.Emulator.Native;

/// <summary>
/// P/Invoke declarations for the parts of librdkafka (and its experimental mock cluster API,
/// <c>rdkafka_mock.h</c>) the emulator uses. The library is the very file Confluent.Kafka
/// loaded, so both share one copy of librdkafka in the process.
/// </summary>
internal static unsafe partial class MockApi
{
    private const string LibraryName = "kafka-emulator-librdkafka";

    public const int ProducerType = 0;
    public const short ProduceApiKey = 0;
    public const int NotEnoughReplicas = 19;

    private static readonly Lock InitGate = new();
    private static bool s_initialized;
    private static nint s_handle;

    /// <summary>The path of the librdkafka file in use, once <see cref="EnsureLoaded"/> ran.</summary>
    public static string? LoadedPath { get; private set; }

    /// <summary>
    /// Makes Confluent.Kafka load librdkafka (it knows which of the package's builds works on
    /// this machine), then points this assembly's P/Invokes at that same file.
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (InitGate)
        {
            if (s_initialized)
            {
                return;
            }

            // Forces Confluent.Kafka to pick and load its native library.
            _ = Confluent.Kafka.Library.Version;

            var path = FindLoadedLibrary() ?? FindPackagedLibrary()
                ?? throw new InvalidOperationException("Could not locate the librdkafka library Confluent.Kafka loaded.");
            s_handle = NativeLibrary.Load(path);
            LoadedPath = path;
            NativeLibrary.SetDllImportResolver(typeof(MockApi).Assembly, Resolve);
            s_initialized = true;
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibraryName ? s_handle : 0;

    /// <summary>Reads the process's memory map for the librdkafka file already mapped in.</summary>
    private static string? FindLoadedLibrary()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return null;
        }
        foreach (var line in File.ReadLines(maps))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }
            var path = line[slash..].Trim();
            var file = Path.GetFileName(path);
            if (file.Contains("librdkafka", StringComparison.Ordinal) && file.Contains(".so", StringComparison.Ordinal))
            {
                return path;
            }
        }
        return null;
    }

    private static string? FindPackagedLibrary()
    {
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        foreach (var candidate in new[] { "centos8-librdkafka.so", "librdkafka.so" })
        {
            var path = Path.Combine(native, candidate);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var h))
            {
                NativeLibrary.Free(h);
                return path;
            }
        }
        return null;
    }

    [LibraryImport(LibraryName)]
    public static partial nint rd_kafka_conf_new();

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(nint conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_conf_destroy(nint conf);

    [LibraryImport(LibraryName)]
    public static partial nint rd_kafka_new(int type, nint conf, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_destroy(nint rk);

    [LibraryImport(LibraryName)]
    public static partial nint rd_kafka_mock_cluster_new(nint rk, int brokerCount);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_mock_cluster_destroy(nint mcluster);

    [LibraryImport(LibraryName)]
    public static partial nint rd_kafka_mock_cluster_bootstraps(nint mcluster);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(nint mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_partition_set_leader(nint mcluster, string topic, int partition, int brokerId);

    [LibraryImport(LibraryName)]
    public static partial int rd_kafka_mock_broker_set_down(nint mcluster, int brokerId);

    [LibraryImport(LibraryName)]
    public static partial int rd_kafka_mock_broker_set_up(nint mcluster, int brokerId);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void rd_kafka_mock_broker_set_host_port(nint mcluster, int brokerId, string host, int port);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_coordinator_set(nint mcluster, string keyType, string key, int brokerId);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_mock_set_controller_id(nint mcluster, int brokerId);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(nint mcluster, int delayMs);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_mock_push_request_errors_array(nint mcluster, short apiKey, nuint count, int* errors);

    [LibraryImport(LibraryName)]
    public static partial void rd_kafka_mock_clear_request_errors(nint mcluster, short apiKey);
}
