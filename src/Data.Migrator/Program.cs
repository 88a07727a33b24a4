using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.MySqlClient;
using KafkaPractice.Data.Migrator;

// Runs once, before the services that need the schema: applies EF Core migrations and creates the
// default coupon campaign, then exits. The AppHost makes the API and the worker wait for it to
// complete, so exactly one process ever migrates, however many worker replicas run.
var builder = Host.CreateApplicationBuilder(args);
builder.AddBasicServiceDefaults();
builder.AddMySqlDbContext<AppDbContext>(AppDatabase.ConnectionName, configureDbContextOptions: AppDatabase.ConfigureDbContext);
builder.Services.Configure<SeedOptions>(builder.Configuration.GetSection(SeedOptions.SectionName));
builder.Services.AddHostedService<MigrationRunner>();

await builder.Build().RunAsync();
