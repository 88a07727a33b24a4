using KafkaPractice.AppHost;
using KafkaPractice.AppHost.Infrastructure;
using KafkaPractice.AppHost.Security;
using KafkaPractice.Messaging;

var builder = DistributedApplication.CreateBuilder(args);

// One Kafka topology for every component; refuse to start on one the cluster cannot honour.
var topology = KafkaTopology.From(builder.Configuration);
KafkaTopologyValidator.ThrowIfInvalid(topology);
var mode = InfrastructureModeResolver.Resolve(builder.Configuration);

var infrastructure = mode.Mode == InfrastructureMode.Containers
    ? builder.AddContainerInfrastructure(topology)
    : builder.AddLocalInfrastructure(topology, LocalSettings.From(builder));

var adminApiKey = builder.AddAdminApiKey();

var migrator = builder.AddProject<Projects.Data_Migrator>("db-migrator")
    .WithReference(infrastructure.AppDb).WaitFor(infrastructure.MySql)
    .WithServiceSettings(builder.Configuration, mode.Mode);

var workerReplicas = SettingBounds.Read(builder.Configuration, "Services:ConsumerWorkerReplicas", 1, 1, 64, "worker processes; more than a topic's partitions sit idle");
builder.AddProject<Projects.Consumer_Worker>("consumer-worker")
    .WithReference(infrastructure.Kafka).WaitFor(infrastructure.Kafka)
    .WithReference(infrastructure.AppDb).WaitForCompletion(migrator)
    .WithReference(infrastructure.Redis).WaitFor(infrastructure.Redis)
    .WithTopologyAndSettings(topology, builder.Configuration, mode.Mode)
    .WithEnvironment("Consumers__Replicas", workerReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture))
    .WithHttpHealthCheck("/health")
    .WithReplicas(workerReplicas);

// The API keeps no state of its own that another instance needs (see docs/scaling.md): its
// endpoint is spread over the replicas by the AppHost's proxy.
var apiReplicas = SettingBounds.Read(builder.Configuration, "Services:ProducerApiReplicas", 1, 1, 64, "API processes behind the AppHost's proxy");
builder.AddProject<Projects.Producer_Api>("producer-api")
    .WithReference(infrastructure.Kafka).WaitFor(infrastructure.Kafka)
    .WithReference(infrastructure.AppDb).WaitForCompletion(migrator)
    .WithReference(infrastructure.Redis).WaitFor(infrastructure.Redis)
    .WithTopologyAndSettings(topology, builder.Configuration, mode.Mode)
    .WithAdminApiKey(adminApiKey)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WithReplicas(apiReplicas);

builder.LogStartupChoices(mode, topology);
builder.Build().Run();
