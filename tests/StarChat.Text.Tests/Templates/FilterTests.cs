using static StarChat.Text.Tests.Templates.TemplateKit;

namespace StarChat.Text.Tests.Templates;

/// <summary>Filters and Python methods, against Jinja and Python behaviour.</summary>
public class FilterTests
{
    [Theory]
    [InlineData("[{{ '  a b \\n' | trim }}][{{ 'xxaxx' | trim('x') }}]", "[a b][a]")]
    [InlineData("{{ 'abc' | length }} {{ [1, 2] | count }} {{ {'a': 1} | length }}", "3 2 1")]
    [InlineData("{{ 'hello world' | upper }} {{ 'HeLLo' | lower }} {{ 'hello big-world' | title }} {{ 'hELLO' | capitalize }}", "HELLO WORLD hello Hello Big-World Hello")]
    [InlineData("{{ 'aXbXc' | replace('X', '-') }} {{ 'aXbXc' | replace('X', '', 1) }} {{ 'abc' | replace('', '.') }}", "a-b-c abXc .a.b.c.")]
    [InlineData("{{ [1, 2, 3] | join(', ') }} {{ ['a', 'b'] | join }} {{ [{'n': 'x'}, {'n': 'y'}] | join('+', attribute='n') }}", "1, 2, 3 ab x+y")]
    [InlineData("{{ missing | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} {{ none | d('x', boolean=true) }}", "d  d x")]
    [InlineData("{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ 'abc' | first }} {{ [] | first is defined }}", "1 3 a False")]
    [InlineData("{{ 'ab' | list }} {{ {'a': 1} | list }} {{ {'a': 1, 'b': 2} | items | list }}", "['a', 'b'] ['a'] [('a', 1), ('b', 2)]")]
    [InlineData("{{ 12 | string ~ 'x' }} {{ '42' | int + 1 }} {{ '3.7' | int }} {{ 'x' | int }} {{ 'x' | int(5) }} {{ 3.9 | int }} {{ '2.5' | float }} {{ 2 | float }}", "12x 43 3 0 5 3 2.5 2.0")]
    [InlineData("{{ [{'r': 'u', 'c': 1}, {'r': 'a', 'c': 2}, {'r': 'u', 'c': 3}] | selectattr('r', 'equalto', 'u') | map(attribute='c') | list }}", "[1, 3]")]
    [InlineData("{{ [{'r': 'u'}, {'r': 'a'}, {'x': 1}] | rejectattr('r', 'eq', 'u') | list | length }} {{ [{'on': true}, {'on': false}, {}] | selectattr('on') | list | length }}", "2 1")]
    [InlineData("{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ [0, 1, '', 'a'] | select | list }}", "[1, 3] [2, 4] [1, 'a']")]
    [InlineData("{{ ['a', 'b'] | map('upper') | join }} {{ [{'a': {'b': 1}}, {}] | map(attribute='a.b', default=0) | list }}", "AB [1, 0]")]
    [InlineData("{{ '<b>&\"\\'' | e }} {{ '<b>' | escape }} {{ '<b>' | safe }}", "&lt;b&gt;&amp;&#34;&#39; &lt;b&gt; <b>")]
    [InlineData("{{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ ['b', 'A', 'c'] | sort }} {{ [{'n': 2}, {'n': 1}] | sort(attribute='n') | map(attribute='n') | list }}", "[1, 2, 3] [3, 2, 1] ['A', 'b', 'c'] [1, 2]")]
    [InlineData("{{ [1, 2, 1, 3] | unique | list }} {{ [1, 2, 3] | sum }} {{ [{'v': 2}, {'v': 3}] | sum(attribute='v') }} {{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }}", "[1, 2, 3] 6 5 1 3")]
    [InlineData("{{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }} {{ 2.5 | round }} {{ 3.14159 | round(2) }} {{ 2.1 | round(0, 'ceil') }} {{ -3 | abs }}", "[3, 2, 1] cba 2.0 3.14 3.0 3")]
    [InlineData("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(1, blank=true) }}", "a\n  b\n\n  c|  a\n  b|a\n \n b")]
    [InlineData("{{ 'one two  three' | wordcount }} [{{ 'ab' | center(6) }}] {{ {'b': 1, 'a': 2} | dictsort }}", "3 [  ab  ] [('a', 2), ('b', 1)]")]
    [InlineData("{{ {'a': 'x'} | attr('a') }}|{{ {'b': 1} | attr('items') is callable }}", "|True")]
    public void Render_Filter_MatchesJinja(string source, string expected)
    {
        Assert.Equal(expected, Render(source));
    }

    [Theory]
    [InlineData("{{ {'a': 1, 'b': [1, 2.5, none, true]} | tojson }}", "{\"a\": 1, \"b\": [1, 2.5, null, true]}")]
    [InlineData("{{ 'é\"\\\\\\n\\u0001' | tojson }}", "\"é\\\"\\\\\\n\\u0001\"")]
    [InlineData("{{ {'a': [1, {}], 'b': []} | tojson(indent=2) }}", "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}")]
    [InlineData("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }} {{ {'a': 1} | tojson(separators=(',', ':')) }} {{ 'é' | tojson(ensure_ascii=true) }}", "{\"a\": 2, \"b\": 1} {\"a\":1} \"\\u00e9\"")]
    public void Render_ToJson_MatchesPythonJsonDumps(string source, string expected)
    {
        Assert.Equal(expected, Render(source));
    }

    [Theory]
    [InlineData("[{{ '  a  '.strip() }}][{{ '  a  '.lstrip() }}][{{ '  a  '.rstrip() }}][{{ 'xxaxx'.strip('x') }}]", "[a][a  ][  a][a]")]
    [InlineData("{{ ' a  b c '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }} {{ '  a  b  '.split(none, 1) }}", "['a', 'b', 'c'] ['a', 'b', '', 'c'] ['a', 'b c'] ['a b', 'c'] ['a', 'b  ']")]
    [InlineData("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'abc'.upper() }} {{ 'ABC'.lower() }} {{ 'a-b c'.title() }} {{ 'hi there'.capitalize() }}", "True True ABC abc A-B C Hi there")]
    [InlineData("{{ 'a.b.c'.replace('.', '/') }} {{ 'abcabc'.find('c') }} {{ 'abcabc'.count('bc') }} {{ '-'.join(['a', 'b']) }} {{ 'a\\nb\\r\\nc'.splitlines() }}", "a/b/c 2 2 a-b ['a', 'b', 'c']")]
    [InlineData("{{ {'a': 1}.items() | list }} {{ {'a': 1, 'b': 2}.keys() | list }} {{ {'a': 1}.values() | list }}", "[('a', 1)] ['a', 'b'] [1]")]
    [InlineData("{{ 'prefix_x'.removeprefix('prefix_') }} {{ '42'.isdigit() }} {{ [1, 2, 2].count(2) }} {{ [5, 6].index(6) }}", "x True 2 1")]
    public void Render_Method_MatchesPython(string source, string expected)
    {
        Assert.Equal(expected, Render(source));
    }
}
