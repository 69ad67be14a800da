import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRoute, RouteTemplateError } from '../../devhost/http/routeTemplate';

const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);

describe('route templates', () => {
  it('a literal template matches exactly its own path, in any letter case', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (segs) => {
        const route = compileRoute(segs.join('/'));
        expect(route.match(`/${segs.join('/')}`)).toEqual({});
        expect(route.match(`/${segs.join('/').toUpperCase()}`)).toEqual({});
        expect(route.match(`/${segs.join('/')}/extra`)).toBeUndefined();
      }),
    );
  });

  it('parameters capture any segment value, percent-decoded', () => {
    fc.assert(
      fc.property(segment, fc.string({ minLength: 1, maxLength: 20 }), (literal, value) => {
        const route = compileRoute(`${literal}/{value}`);
        expect(route.match(`/${literal}/${encodeURIComponent(value)}`)).toEqual({ value });
      }),
    );
  });

  it('ranks literal over constrained over plain over optional over catch-all', () => {
    const ranks = ['a/b', 'a/{x:int}', 'a/{x}', 'a/{x?}', 'a/{*x}'].map((t) => compileRoute(t).precedence);
    expect([...ranks].sort((p, q) => p - q)).toEqual(ranks);
  });

  it('checks constraints', () => {
    const route = compileRoute('r/{id:guid}/{n:range(1,5)}/{s:minlength(3)}');
    expect(route.match('/r/62e90394-69f5-4237-9190-012177145e10/3/abc')).toBeDefined();
    expect(route.match('/r/not-a-guid/3/abc')).toBeUndefined();
    expect(route.match('/r/62e90394-69f5-4237-9190-012177145e10/9/abc')).toBeUndefined();
    expect(route.match('/r/62e90394-69f5-4237-9190-012177145e10/3/ab')).toBeUndefined();
  });

  it('matches complex segments such as filterByCurrentUser(on={who})', () => {
    const route = compileRoute("x/filterByCurrentUser(on='{who}')");
    expect(route.match("/x/filterByCurrentUser(on='principal')")).toEqual({ who: 'principal' });
  });

  it('refuses templates the host refuses', () => {
    expect(() => compileRoute('a/{*rest}/b')).toThrow(RouteTemplateError);
    expect(() => compileRoute('a/{x:nosuch}')).toThrow(RouteTemplateError);
    expect(() => compileRoute('a/{x')).toThrow(RouteTemplateError);
  });
});
