using StarChat.Evaluation.LmEval.Python;

namespace StarChat.Evaluation.LmEval.Tests;

public class PyStrTests
{
    [Fact]
    public void Capitalize_MixedCase_LowersTheRest() => Assert.Equal("The lady of nyc", PyStr.Capitalize("the Lady of NYC"));

    [Fact]
    public void Capitalize_UpperAfterFirst_IsLowered() => Assert.Equal("Hello world", PyStr.Capitalize("hELLO WORLD"));

    [Fact]
    public void Length_AstralCharacter_CountsOneCodePoint() => Assert.Equal(3, PyStr.Length("a😀b"));

    [Fact]
    public void Strip_PythonOnlyWhitespace_IsRemoved() => Assert.Equal("x", PyStr.Strip("\x1c\u3000 x\x1f\n"));
}
