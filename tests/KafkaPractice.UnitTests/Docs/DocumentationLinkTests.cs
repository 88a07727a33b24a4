using System.Text.RegularExpressions;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.Docs;

/// <summary>
/// The docs point at things that exist: every relative link in README.md and docs/*.md leads to a
/// file (and, with an anchor, to a heading of it), and every repository path they name in
/// backticks is in the repository.
/// </summary>
public sealed partial class DocumentationLinkTests
{
    private static readonly string Root = RepositoryPaths.Root;

    private static List<string> DocumentPaths() =>
    [
        "README.md",
        .. Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Order(StringComparer.Ordinal).Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/')),
    ];

    public static TheoryData<string> Documents() => new(DocumentPaths());

    [Fact]
    public void The_docs_are_found() => Assert.True(DocumentPaths().Count > 5, $"only {DocumentPaths().Count} documents under {Root}");

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_leads_to_a_file_and_heading_that_exist(string document)
    {
        var path = Path.Combine(Root, document);
        var text = File.ReadAllText(path);
        var broken = new List<string>();
        foreach (Match link in MarkdownLink().Matches(WithoutCodeBlocks(text)))
        {
            var target = link.Groups["target"].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }
            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var file = hash < 0 ? target : target[..hash];
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(file)));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                broken.Add($"{target}: no such file");
            }
            else if (anchor is not null && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(resolved)).Contains(anchor))
            {
                broken.Add($"{target}: no heading with anchor #{anchor}");
            }
        }
        Assert.True(broken.Count == 0, $"{document}: " + string.Join("; ", broken));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_repository_path_named_exists(string document)
    {
        var text = File.ReadAllText(Path.Combine(Root, document));
        var missing = new List<string>();
        foreach (Match code in RepositoryPath().Matches(text))
        {
            var named = code.Groups["path"].Value.TrimEnd('.', ',', ':', ')');
            // A pattern (`artifacts/reliability/<scenario>.md`, `src/*/bin`) names a folder, which must exist.
            var cut = named.IndexOfAny(['*', '<', '{']);
            var candidate = cut < 0 ? named : named[..named.LastIndexOf('/', cut)];
            var full = Path.Combine(Root, candidate);
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                missing.Add(named);
            }
        }
        Assert.True(missing.Count == 0, $"{document} names paths that do not exist: " + string.Join(", ", missing.Distinct()));
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(WithoutCodeBlocks(markdown)))
        {
            var slug = string.Concat(heading.Groups["title"].Value.Trim().ToLowerInvariant()
                .Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_'))
                .Replace(' ', '-');
            var unique = slug;
            for (var i = 1; !anchors.Add(unique); i++)
            {
                unique = $"{slug}-{i}";
            }
        }
        return anchors;
    }

    private static string WithoutCodeBlocks(string markdown) => CodeBlock().Replace(markdown, "");

    [GeneratedRegex(@"(?<!!)\[[^\]]*\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*#*\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    /// <summary>A path under one of the repository's top-level folders, in backticks.</summary>
    [GeneratedRegex(@"`(?<path>(?:src|tests|docs|bench|scripts|\.ci)/[^`\s]+)`")]
    private static partial Regex RepositoryPath();
}
