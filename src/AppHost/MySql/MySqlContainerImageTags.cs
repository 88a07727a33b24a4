namespace KafkaPractice.AppHost.MySql;

internal static class MySqlContainerImageTags
{
    public const string Registry = "docker.io";
    public const string Image = "mysql";
    public const string Tag = "8.4";
}
