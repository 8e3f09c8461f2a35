namespace StarChat.Server.Hosting;

/// <summary>Where the served model is in its life.</summary>
public enum ModelState
{
    /// <summary>Still loading: API requests get 503.</summary>
    Loading,
    /// <summary>Serving.</summary>
    Ready,
    /// <summary>Loading failed: API requests get 503 with the reason.</summary>
    Failed,
}
