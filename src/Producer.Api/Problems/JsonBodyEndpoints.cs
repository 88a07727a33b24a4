namespace KafkaPractice.Producer.Api.Problems;

public static class JsonBodyEndpoints
{
    /// <summary>
    /// Describes an endpoint that takes <typeparamref name="TRequest"/> as its JSON body (read by
    /// <see cref="JsonBodyReader.BindAsync"/>): the body's schema, and the 400 and 413 answers
    /// every body can get.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJsonBody<TRequest>(this RouteHandlerBuilder endpoint) where TRequest : notnull =>
        endpoint
            .Accepts<TRequest>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
}
