namespace KafkaPractice.Tests.Reliability;

/// <summary>The corpus itself: big enough, no label twice, and a precise answer for every case.</summary>
public sealed class HostileCorpusTests
{
    [Fact]
    public void The_corpus_holds_at_least_200_distinct_cases()
    {
        var corpus = HostileCorpus.Cases();
        Assert.True(corpus.Count >= HostileCorpus.MinimumCases, $"{corpus.Count} cases");
        var duplicates = corpus.GroupBy(c => c.Label).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "Duplicate labels: " + string.Join(", ", duplicates));
    }

    [Fact]
    public void Every_case_names_the_status_and_problem_type_the_contract_fixes()
    {
        var vague = HostileCorpus.Cases().Where(c => c.ExpectedStatus is < 400 or > 499 || (c.ExpectedType is null) != c.RefusedByServer).Select(c => c.Label).ToList();
        Assert.True(vague.Count == 0, "Cases without a precise answer: " + string.Join(", ", vague));
    }

}
