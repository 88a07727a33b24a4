using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KafkaPractice.Core.Data.Bulk;

/// <summary>One <typeparamref name="T"/> per EF model (a context type's model lives as long as the process).</summary>
internal static class PerModel<T> where T : class
{
    private static readonly ConditionalWeakTable<IModel, T> Built = [];

    public static T Get(IModel model, Func<IModel, T> build) => Built.GetValue(model, m => build(m));
}
